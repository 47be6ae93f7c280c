"""HobbyMatch's in-tree feature modules: every package in this folder is one module.

Any folder named ``modules`` on ``sys.path`` extends this package, so modules can also live
outside the repository; installed distributions plug in through the ``hobbymatch.modules``
entry point group instead.
"""

from pkgutil import extend_path

__path__ = extend_path(__path__, __name__)
