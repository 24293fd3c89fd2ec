"""What the lessons and labs measure: internal covariate shift, Figure 1 and the paper's other
experiments, moving averages under drift, noisy BN and the loss landscape.

Speed-only machinery (many networks trained at once) sits apart in ``many_at_once`` and is tested
equal to training the networks one by one.
"""
