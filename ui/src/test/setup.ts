// Component tests wait on conditions with a deadline (findBy*, waitFor).
// Testing Library's default deadline, 1 s, is shorter than a lazily loaded
// screen can take when every core runs a test file at once; 10 s still
// fails a test that truly hangs.
import { configure } from "@testing-library/dom";

configure({ asyncUtilTimeout: 10_000 });
