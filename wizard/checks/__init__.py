"""guardform's own checkov policies (CKV_GF_*), loaded by checkov with --external-checks-dir."""
