"""The CLI and the services behind it: the Core issue's acceptance, end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile
from typer.testing import CliRunner

from musigen_agent.cli import app

FIXTURES = Path(__file__).parent / "fixtures"
runner = CliRunner()


def cli(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env)


def composed(tmp_path: Path, text: str, *args: str) -> tuple[dict, str]:
    """Compose MIDI into tmp_path through the CLI; the view and the registry path."""
    db = str(tmp_path / "r.sqlite")
    result = cli("compose", text, "--format", "mid", "--out", str(tmp_path), "--db", db, "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), db


def test_compose_writes_midi_and_a_real_wav_of_the_requested_length(tmp_path):
    out = tmp_path / "out"
    result = cli(
        "compose",
        "a sad piano and cello piece in D minor, 70 bpm, 1 minute",
        "--out",
        str(out),
        "--db",
        str(tmp_path / "r.sqlite"),
        "--json",
    )
    assert result.exit_code == 0, result.output
    view = json.loads(result.stdout)
    mid = out / f"{view['track_id']}.mid"
    wav = out / f"{view['track_id']}.wav"
    assert mid.stat().st_size > 100
    audio, sr = soundfile.read(wav)
    bar_seconds = 4 * 60 / 70
    seconds = len(audio) / sr
    assert abs(seconds - 60) <= bar_seconds + 1.6  # +1.5 s release tail
    rms_db = 20 * np.log10(np.sqrt(np.mean(audio**2)))
    assert rms_db > -40
    assert np.max(np.abs(audio)) < 1.0
    assert view["spec"]["tempo"] == 70 and view["spec"]["key"] == "D" and view["spec"]["mode"] == "minor"
    assert {p["instrument"] for p in view["summary"]["parts"]} == {"acoustic_piano", "cello"}
    assert view["provenance"]["tempo"]["source"] == "stated"


def test_human_output_says_what_it_chose_and_why(tmp_path):
    result = cli(
        "compose",
        "an energetic rock track, 30 seconds",
        "--out",
        str(tmp_path),
        "--format",
        "mid",
        "--db",
        str(tmp_path / "r.sqlite"),
    )
    assert result.exit_code == 0, result.output
    for word in ("genre", "rock", "tempo", "instruments", "sections", "wrote"):
        assert word in result.stdout


def test_same_text_and_seed_same_midi_other_seed_other_notes(tmp_path):
    def midi(seed: int) -> bytes:
        out = tmp_path / f"s{seed}_{len(list(tmp_path.iterdir()))}"
        r = cli(
            "compose",
            "a happy folk tune with fiddle and guitar",
            "--seed",
            str(seed),
            "--format",
            "mid",
            "--out",
            str(out),
            "--db",
            str(tmp_path / "r.sqlite"),
            "--json",
        )
        assert r.exit_code == 0, r.output
        return next(out.glob("*.mid")).read_bytes()

    assert midi(5) == midi(5)
    assert midi(5) != midi(6)


@pytest.mark.parametrize(
    ("args", "field", "hint"),
    [
        (["compose", ""], "description", "description"),
        (["compose", "a song", "--tempo", "0"], "tempo", "300"),
        (["compose", "a song", "--tempo", "10000"], "tempo", "300"),
        (["compose", "a song", "--length", "10800"], "length", "1200"),
        (["compose", "a song", "--instrument", "kazoo9000"], "instrument", "Known"),
        (["compose", "a song", "--format", "aiff"], "formats", "wav"),
        (["show", "t_nope"], "track_id", "list_tracks"),
    ],
)
def test_bad_input_is_a_clear_error_and_writes_nothing(tmp_path, args, field, hint):
    out, db = tmp_path / "out", tmp_path / "r.sqlite"
    result = cli(*args, "--out", str(out), "--db", str(db)) if args[0] == "compose" else cli(*args, "--db", str(db))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert field in result.stderr and hint in result.stderr
    assert not out.exists() or not any(out.iterdir())
    from musigen_agent.registry import Registry

    assert Registry(db).counts() == {"tracks": 0, "versions": 0, "renders": 0}


def test_json_errors_are_one_document(tmp_path):
    result = cli("compose", "x", "--tempo", "9999", "--json", "--db", str(tmp_path / "r.sqlite"))
    assert result.exit_code == 2
    err = json.loads(result.stdout)
    assert err["field"] == "tempo" and err["error"] == "invalid-input"


def test_catalogue_and_plugins_commands(tmp_path):
    env = {"MUSIGEN_PLUGIN_DIRS": str(FIXTURES / "broken_plugins")}
    result = cli("plugins", "--db", str(tmp_path / "r.sqlite"), "--json", env=env)
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert rows["explodes_on_import"]["status"] == "quarantined"
    assert "broken on purpose" in rows["explodes_on_import"]["error"]
    assert rows["kalimba"]["status"] == "ok"
    human = cli("plugins", "--db", str(tmp_path / "r.sqlite"), env=env)
    assert "quarantined" in human.stdout and "explodes_on_import" in human.stdout
    composed = cli(
        "compose",
        "a lullaby",
        "--instrument",
        "kalimba",
        "--format",
        "mid",
        "--out",
        str(tmp_path),
        "--db",
        str(tmp_path / "r.sqlite"),
        "--json",
        env=env,
    )
    assert composed.exit_code == 0, composed.output
    for kind in ("instruments", "genres", "moods", "models"):
        r = cli(kind, "--db", str(tmp_path / "r.sqlite"), "--json")
        assert r.exit_code == 0 and json.loads(r.stdout)


def test_show_tracks_refine_versions_diff_revert(tmp_path):
    db = str(tmp_path / "r.sqlite")
    view = json.loads(
        cli(
            "compose", "a happy pop song, 30 seconds", "--format", "mid", "--out", str(tmp_path), "--db", db, "--json"
        ).stdout
    )
    tid = view["track_id"]
    refined = cli("refine", tid, "slower and no drums in the intro", "--db", db, "--json")
    assert refined.exit_code == 0, refined.output
    r = json.loads(refined.stdout)
    assert r["version"] == 2 and r["spec"]["tempo"] < view["spec"]["tempo"]
    assert cli("refine", tid, "make it purple", "--db", db).exit_code == 2
    assert len(json.loads(cli("versions", tid, "--db", db, "--json").stdout)) == 2
    d = json.loads(cli("diff", tid, "1", "2", "--db", db, "--json").stdout)
    assert d["fields"]["tempo"]["to"] < d["fields"]["tempo"]["from"]
    back = json.loads(cli("revert", tid, "1", "--db", db, "--json").stdout)
    assert back["version"] == 3 and back["spec"]["tempo"] == view["spec"]["tempo"]
    assert json.loads(cli("show", tid, "--db", db, "--json").stdout)["version"] == 3
    assert tid in cli("tracks", "--db", db).stdout


def test_console_script_runs_without_traceback(tmp_path):
    env = {**os.environ, "MUSIGEN_HOME": str(tmp_path)}
    bad = subprocess.run(
        [sys.executable, "-m", "musigen_agent.cli", "compose", "x", "--tempo", "0"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "tempo" in bad.stderr


def test_keys_create_list_revoke(tmp_path):
    db = str(tmp_path / "r.sqlite")
    made = json.loads(cli("keys", "create", "bot", "--scope", "compose", "--db", db, "--json").stdout)
    assert made["token"].startswith("msk_") and made["scopes"] == ["compose"]
    listed = json.loads(cli("keys", "list", "--db", db, "--json").stdout)
    assert [k["id"] for k in listed] == [made["id"]] and "token" not in listed[0]
    assert json.loads(cli("keys", "revoke", made["id"], "--db", db, "--json").stdout)["revoked"]
    bad = cli("keys", "create", "x", "--scope", "root", "--db", db)
    assert bad.exit_code == 2 and "scope" in bad.stderr


def test_analyze_and_import(tmp_path):
    view, db = composed(tmp_path, "a dramatic rock song in E minor, 30 seconds")
    analysis = cli("analyze", view["track_id"], "--db", db, "--json")
    assert analysis.exit_code == 0 and json.loads(analysis.stdout)["control"]["key"]["requested"] == "E minor"
    human = cli("analyze", view["track_id"], "--db", db)
    assert "real music" in human.stdout
    mid = next(tmp_path.glob("*.mid"))
    imported = json.loads(cli("import", str(mid), "--db", db, "--json").stdout)
    assert imported["spec"]["key"] == "E" and imported["spec"]["title"] == mid.stem
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"garbage")
    result = cli("import", str(bad), "--db", db)
    assert result.exit_code == 2 and "MThd" in result.stderr


def test_render_formats_with_stems_and_mix(tmp_path):
    import zipfile

    view, db = composed(tmp_path, "a chill electronic track, 20 seconds")
    tid = view["track_id"]
    out = tmp_path / "render"
    r = cli("render", tid, "--format", "mp3,flac", "--stems", "--out", str(out), "--db", db, "--json")
    assert r.exit_code == 0, r.output
    formats = {f["format"] for f in json.loads(r.stdout)["files"]}
    assert formats == {"mp3", "flac", "stems"}
    stems = next(out.glob("*.zip"))
    assert len(zipfile.ZipFile(stems).namelist()) >= len(view["summary"]["parts"])
    mixed = cli("mix", tid, "--track", "bass_guitar", "--gain", "-3", "--pan", "0.2", "--db", db, "--json")
    assert mixed.exit_code == 0, mixed.output
    d = json.loads(cli("diff", tid, "1", "2", "--db", db, "--json").stdout)
    assert d["mix"]["bass_guitar"]["to"]["gain_db"] == -3 and all(
        p["change"] == "identical" for p in d["parts"].values()
    )
    bad = cli("mix", tid, "--track", "bass_guitar", "--db", db)
    assert bad.exit_code == 2 and "mix" in bad.stderr


def test_data_index_and_train_commands(tmp_path):
    db = str(tmp_path / "r.sqlite")
    corpus = tmp_path / "corpus" / "folk"
    corpus.mkdir(parents=True)
    for seed in (1, 2):
        view = json.loads(
            cli(
                "compose",
                "a happy folk tune, 16 bars",
                "--seed",
                str(seed),
                "--format",
                "mid",
                "--out",
                str(corpus),
                "--db",
                db,
                "--json",
            ).stdout
        )
        assert view["track_id"]
    (corpus / "broken.mid").write_bytes(b"MThd garbage")
    result = cli("data", "index", str(tmp_path / "corpus"), "--out", str(tmp_path / "index.sqlite"), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["ok"] == 2 and summary["rejected"] == 1
    missing = cli("data", "index", str(tmp_path / "nope"))
    assert missing.exit_code == 2 and "path" in missing.stderr
    assert cli("train", "--help").exit_code == 0
    analysis = json.loads(cli("analyze", view["track_id"], "--db", db, "--json").stdout)
    assert set(analysis["style"]) == {"genre", "mood"}
