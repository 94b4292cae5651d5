"""Running the incident: triage checklists, hypotheses, tasks, impact, stakeholder
updates and handover. Textual-free: the CLI and the console both call these functions.

Every change writes its current-state row and its timeline event in one `store.write()`.
Timeline kinds written here (data keys in brackets):
  checklist {item, state, from, note, list, attached?} · hypothesis {hypothesis, likelihood}
  · likelihood {hypothesis, from, to} · conclusion {hypothesis, conclusion, evidence}
  · task {task, owner, check_in_at} · task-done / task-dropped {task, owner, note}
  · task-check-in {task, check_in_at} · impact {what, scope, since}
  · update {audiences, template} · update-delivery {update, audience, ok, detail, status}
  · handover-offered {to, note} · handover-accepted {offered_by, offered_at, to}
  · handover-withdrawn {to} · role {role: leader, person, previous, handover} on acceptance.
"""
