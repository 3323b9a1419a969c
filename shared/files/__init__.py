"""Files: metadata in the data table, bytes in the artifacts bucket, uploads through S3
presigned POSTs or directly."""
