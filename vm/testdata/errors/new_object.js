const d = new Date();
// ERROR "new is only supported as new Array" at 1:11
