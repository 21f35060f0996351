"""Pure computations on frames: frames in, frames out, no I/O, exact to the minor unit."""
