"""The web edge: the FastAPI app and the uvicorn server that runs it in a thread."""

from warning.web.app import create_app
from warning.web.server import WebServer

__all__ = ["WebServer", "create_app"]
