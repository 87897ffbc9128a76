"""The trust boundary: the sandbox and its confinement, the warm workers, the student's kernel, the trusted
judge, the channel between them and the plain data that crosses it. The worker script runs from this folder
inside the sandbox, importing its neighbours as top-level modules."""
