"""HobbyMatch's in-tree feature modules: every package in this folder is one module.

Folders named in ``HOBBYMATCH_MODULE_PATHS`` extend this package at discovery, so modules can
also live outside the repository; installed distributions plug in through the
``hobbymatch.modules`` entry point group instead.
"""
