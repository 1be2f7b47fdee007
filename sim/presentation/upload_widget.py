"""A file upload for the classroom page: a button that opens the file dialog, and a drop zone.

Solara's own ``FileDropMultiple`` takes files only by drag and drop. This is the same widget
(its front end is Solara's ``file_drop.vue``, MIT licence, with a button and a file input
added) and the same hand-over of the files to Python.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import solara
import traitlets
from solara.components.file_drop import FileDropZone


class FilePickZone(FileDropZone):
    """Solara's drop zone with a "choose files" button."""

    template_file = (__file__, "upload_widget.vue")
    button = traitlets.Unicode("Choose files…").tag(sync=True)


@solara.component
def FileUpload(label: str, button: str, on_files: Callable[[list[Any]], None]) -> Any:
    """A drop zone with a button; ``on_files`` gets the chosen or dropped files (lazily read).

    As ``solara.FileDropMultiple``: each file is a dict with ``name``, ``size`` and
    ``file_obj``, whose contents come from the browser as they are read.
    """
    file_info, set_file_info = solara.use_state(None)
    wired, set_wired = solara.use_state(None)
    zone = FilePickZone.element(
        label=label, button=button, on_file_info=set_file_info, multiple=True
    )

    def wire_files() -> None:
        if not file_info:
            return
        real = solara.get_widget(zone)
        real.version += 1  # Solara's work-around: a new version re-arms the widget's observers
        real.reset_stats()
        set_wired(real.get_files())

    solara.use_effect(wire_files, [file_info])

    def hand_over(cancel: threading.Event) -> None:
        if wired:
            on_files(wired)

    result = solara.use_thread(hand_over, [wired])
    if result.error:
        raise result.error
    return zone
