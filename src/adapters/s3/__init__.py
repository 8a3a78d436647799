"""Object storage for exports (boto3, the `s3` extra): imported only when an s3:// destination is given."""

from adapters.s3.upload import S3Error, S3Location, upload_run

__all__ = ["S3Error", "S3Location", "upload_run"]
