"""One router per resource; :func:`musigen_agent.http.app.create_app` includes them all."""
