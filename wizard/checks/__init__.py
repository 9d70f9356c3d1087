"""guardform's own checkov policies (CKV_GF_*), loaded by checkov with --external-checks-dir.

checkov imports each ``guardform_*.py`` here as a top-level module (guardform itself never imports
the checks: checkov lives in its own environment; wizard.scan reads only guardform_common's docs URL)
and reads ``*.yaml`` as graph checks. What each check
proves, and its limits: docs/checks.md.

    CKV_GF_1  guardform_vpce_private_dns.py             VPC endpoint type explicit; Interface -> private DNS
    CKV_GF_2  guardform_vpce_policy.py                  every VPC endpoint has a policy
    CKV_GF_3  guardform_vpce_policy_scope.py            endpoint policy: no */service:* action, no bare Principal "*"
    CKV_GF_4  guardform_macie_job.py                    Macie job targets buckets, has a schedule, samples > 0 %
    CKV_GF_5  guardform_sns_cmk.py                      SNS topic on a customer managed key, not alias/aws/sns
    CKV_GF_6  guardform_bedrock_guardrail_pii.py        guardrail blocks/anonymises PII entities or regexes
    CKV_GF_7  guardform_bedrock_invocation_logging.py   invocation logging has a CloudWatch and/or S3 destination
    CKV_GF_8  guardform_bedrock_log_group_kms.yaml      (graph) its log group is declared and has kms_key_id
"""
