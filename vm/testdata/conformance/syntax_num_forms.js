console.log(.5e-3, 5E+2, 0.0e0, 1e0, 0b11, 0o7, 0XfF);
