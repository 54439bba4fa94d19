"""Adapters that let other frameworks use BudgetQA (LangChain: ``budget_qa.integrations.langchain``)."""
