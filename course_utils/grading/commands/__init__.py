"""What an instructor runs: the ``course`` command and its subcommands (release, collect, grade, feedback,
export, report), with what they read and store: the course folders, the gradebook, records, submissions."""
