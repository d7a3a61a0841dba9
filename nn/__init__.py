"""gradlab.nn: neurons, layers and MLPs built on autograd.Value."""
