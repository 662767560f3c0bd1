"""One module per step of the customer screen."""
