"""Running the incident: triage checklists, hypotheses, tasks, impact, stakeholder
updates and handover. Textual-free: the CLI and the console both call these functions.

Every change writes its current-state row and its timeline event in one `store.write()`.
"""
