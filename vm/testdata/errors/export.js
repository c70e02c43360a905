export const x = 1;
// ERROR "export is not supported" at 1:1
