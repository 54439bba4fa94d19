"""Evaluation harness parts: QA-set loading (qaset), systems under test (systems), scoring (metrics), report.

The entry point is ``budget_qa.evaluate.run_eval``; ``budget-qa eval`` calls it.
"""
