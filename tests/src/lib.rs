//! Integration tests over real zoolab server processes on loopback; they arrive with the cluster issue.
