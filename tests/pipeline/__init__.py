"""Run plans and their duration estimates."""
