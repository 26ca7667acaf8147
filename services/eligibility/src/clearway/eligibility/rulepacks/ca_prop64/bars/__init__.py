"""The ca-prop64 bars (rule 6), one module each, definite and possible."""
