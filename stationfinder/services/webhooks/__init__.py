"""Report notifications pushed to webhooks (WeCom group robots and signed JSON webhooks)."""
