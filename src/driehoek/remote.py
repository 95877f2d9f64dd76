"""The remote backend's names where they used to live (now in the store package: store/remote.py and
its neighbours)."""

from .sparql_bind import bind, with_base
from .store.client import (
           Client,
           Endpoints,
           Skolem,
           dataset_clauses,
           without_dataset_clauses,
)
from .store.remote import RemoteStore
from .store.remote_queries import RemoteQueryRunner
from .store.remote_view import RemoteDataset, list_graphs

__all__ = ["Client", "Endpoints", "RemoteDataset", "RemoteQueryRunner", "RemoteStore", "Skolem", "bind",
           "dataset_clauses", "list_graphs", "with_base", "without_dataset_clauses"]
