"""What runs yield for people to read: records made into leaderboards and comparisons."""
