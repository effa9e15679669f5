"""A lab's caseload: the case store (``store``), re-hunting (``hunt``) and views across cases."""
