"""The plugin contract-test kit: what a plugin author runs from their own tests.

::

    from musigen_agent.testing import assert_plugin_ok
    import musigen_kalimba

    def test_contract():
        assert_plugin_ok(musigen_kalimba)

:func:`check_plugin` returns the :class:`Problem` list instead of failing, for tests
that expect a particular problem.  :func:`load_with_builtins`, :func:`small_spec` and
:func:`compose_text` help write further tests of your own.  docs/plugins.md lists
every check and problem code.
"""

from .checks import Problem
from .composing import arrangement_errors, small_spec
from .gm import GM_PROGRAMS, program_name
from .kit import HOOK_NAMES, assert_plugin_ok, check_plugin, compose_text, load_with_builtins, plugin_name

__all__ = [
    "GM_PROGRAMS",
    "HOOK_NAMES",
    "Problem",
    "arrangement_errors",
    "assert_plugin_ok",
    "check_plugin",
    "compose_text",
    "load_with_builtins",
    "plugin_name",
    "program_name",
    "small_spec",
]
