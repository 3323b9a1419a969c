"""Support chat: a storefront visitor's sessions with a product's support agent, and the
seller's support queue."""
