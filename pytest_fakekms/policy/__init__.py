"""Key-policy documents: parse, validate, evaluate, re-serialize. No botocore here.

Import the modules themselves: this package imports none of them, so that what needs
only the grammar's names (:mod:`.elements`) or the rendering (:mod:`.render`) does not
load the policy engine (about 8 ms, paid by a session's first policy operation).

* :mod:`.elements` names the grammar's elements.
* :mod:`.document` parses and checks the policy grammar (cached by text).
* :mod:`.principals` checks that every principal is well formed (and exists).
* :mod:`.conditions` compiles the IAM condition operators.
* :mod:`.evaluator` decides a request and runs the lockout safety check.
* :mod:`.render` prints a policy as GetKeyPolicy returns it.
"""
