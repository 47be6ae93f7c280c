"""HobbyMatch's core: settings, database, module discovery, the app factory and the CLI.

The core never imports a feature module. Modules plug in through the hooks in
:mod:`core.hookspecs`; module authors import :data:`core.modules.hookimpl` to implement them.
"""

__version__ = "0.1.0"
