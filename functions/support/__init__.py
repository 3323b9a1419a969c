"""The support group: storefront visitors' support chat sessions and the seller's queue."""
