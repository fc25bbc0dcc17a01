"""Training: the one generic loop (the model owns its train_step), its checkpoints, its log and its pictures.
"""
