"""budget-qa: exact, cited answers from Chinese government budget disclosures."""

from .model import Answer, Citation, Document, Fact

__all__ = ["Answer", "BudgetQA", "Citation", "Document", "Fact"]
__version__ = "0.1.0"


def __getattr__(name: str):
    # BudgetQA pulls in retrieval; import it lazily so 'import budget_qa' stays cheap.
    if name == "BudgetQA":
        from .core import BudgetQA

        return BudgetQA
    raise AttributeError(name)
