"""Progress bars: drawn in a terminal or a notebook, never into a log file or a pipe."""
import io

from gans_common import progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_bar_only_where_it_can_be_drawn(monkeypatch):
    monkeypatch.setattr(progress, "in_notebook", lambda: False)
    monkeypatch.setattr("sys.stderr", io.StringIO())  # a log file or a pipe
    assert progress.progress_bar(total=3).disable
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    bar = progress.progress_bar(total=3)
    assert not bar.disable
    bar.update(3)
    bar.close()
    assert "3/3" in terminal.getvalue()
    assert progress.progress_bar(False, total=3).disable


def test_notebook_bar_even_though_the_kernel_stream_is_no_terminal(monkeypatch):
    monkeypatch.setattr(progress, "in_notebook", lambda: True)
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert not progress.progress_bar(total=3, file=io.StringIO()).disable
