const r = /ab+c/;
// ERROR "regular expression literals are not supported" at 1:11
