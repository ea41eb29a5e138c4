"""Homework: reading answer tables and expressions, marking them, explaining cells, setting quizzes."""
