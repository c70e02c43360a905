import x from "y";
// ERROR "import is not supported" at 1:1
