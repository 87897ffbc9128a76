"""What grading writes for people to read: feedback pages, and the files an LMS reads back."""
