"""The ca-prop64 rules, one module each: condition, relief, reason code, text, citation."""
