"""CloudTrail: one multi-region trail per account, logging to its own bucket, in the first region."""

from __future__ import annotations

from graph_aws.demo.seeds import ClientFactory


def seed(client: ClientFactory, account_id: str, regions: list[str]) -> None:
    home = regions[0]
    bucket = f"graph-aws-trail-{account_id}"  # bucket names are global: one per account
    s3 = client("s3", home)
    if home == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": home})
    cloudtrail = client("cloudtrail", home)
    cloudtrail.create_trail(
        Name="account-audit",
        S3BucketName=bucket,
        IsMultiRegionTrail=True,
        EnableLogFileValidation=True,
        TagsList=[{"Key": "owner", "Value": "security"}],
    )
    cloudtrail.start_logging(Name="account-audit")
