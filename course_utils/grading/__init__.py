"""Instructor grading on top of nbgrader: the ``course`` command.

Submodules are imported by the command line tool on demand; importing this
package loads nothing heavy.
"""
