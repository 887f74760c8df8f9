"""The app in a real werkzeug server thread, for the browser tests; it shuts down with nothing left open."""

import contextlib
import threading

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler
from werkzeug.wsgi import FileWrapper


class ClosingRequestHandler(WSGIRequestHandler):
    """Close every file a response streamed, even when the browser reset the connection.

    werkzeug (3.1.9) drains the socket before it closes the response; when the browser resets the
    connection in that moment (a context closed while static/js/map.js was loading) the read
    raises, close() is skipped and the file is left to the garbage collector, whose
    ResourceWarning `filterwarnings = error` turns into a failure of whichever test runs then.
    """

    # A connection the browser opened and never used cannot hold the server's shutdown for long.
    timeout = 10

    def make_environ(self):
        """Offer the app a file wrapper whose files this handler closes itself."""
        environ = super().make_environ()
        environ["wsgi.file_wrapper"] = self.wrap_file
        return environ

    def wrap_file(self, file, buffer_size: int = 8192) -> FileWrapper:
        """Wrap a file for streaming, as werkzeug would, and remember it to close after the response."""
        self.files.append(file)
        return FileWrapper(file, buffer_size)

    def run_wsgi(self) -> None:
        """Serve one request, then close the files its response streamed, whatever the socket did."""
        self.files: list = []
        try:
            super().run_wsgi()
        finally:
            for file in self.files:
                file.close()


class LiveServer(ThreadedWSGIServer):
    """A threaded werkzeug server whose server_close() waits for the requests still running."""

    # Non-daemon request threads are joined by server_close(), so no response outlives its test.
    daemon_threads = False


@contextlib.contextmanager
def serve(app):
    """Serve an app on a free 127.0.0.1 port from a thread; yield its base URL, then wait for its requests."""
    server = LiveServer("127.0.0.1", 0, app, handler=ClosingRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
