"""The benchmark's scenarios, by the name ``--only`` knows them: each measures one group of targets.

Every scenario builds temporary copies of the reference project (never the repository itself) into fresh
temporary output folders, and adds rows to the results table. A scenario that cannot measure a target says
why in its row; it never guesses.
"""

from batches import batch
from documents import docx, fonts, pdf, startup
from rebuilds import incremental, matrix, noop
from resources import imports, memory
from served import warm

__all__ = [
    "batch",
    "docx",
    "fonts",
    "imports",
    "incremental",
    "matrix",
    "memory",
    "noop",
    "pdf",
    "startup",
    "warm",
]
