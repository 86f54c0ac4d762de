"""The Jump Client agent."""
