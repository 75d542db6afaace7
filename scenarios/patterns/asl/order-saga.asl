{
  "Comment": "The lab's order saga in Amazon States Language: validate the user (a semantic lock), create the order, charge the payment, approve the order, release the user. Each Task retries transient failures only (5xx, 408, 429, no answer, its own timeout); a business refusal (any other 4xx) goes straight to its Catch, which enters the chain of compensations in reverse order. A payment that gave up without a business answer may have been charged, so it is refunded too (the built-in saga's 'ambiguous'). A compensation that gives up stops the chain (the built-in saga's 'stop') but still releases the user.",
  "StartAt": "ValidateUser",
  "States": {
    "ValidateUser": {
      "Type": "Task",
      "Resource": "http://user-service/api/users/validate",
      "TimeoutSeconds": 2,
      "ResultPath": null,
      "Retry": [
        {"ErrorEquals": ["HTTP.5xx", "HTTP.408", "HTTP.429", "HTTP.NoResponse", "States.Timeout"],
         "IntervalSeconds": 1, "BackoffRate": 2, "MaxDelaySeconds": 2, "MaxAttempts": 2}
      ],
      "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "SagaCompensated"}],
      "Next": "CreateOrder"
    },
    "CreateOrder": {
      "Type": "Task",
      "Resource": "http://order-service/api/orders",
      "TimeoutSeconds": 2,
      "ResultPath": null,
      "Retry": [
        {"ErrorEquals": ["HTTP.5xx", "HTTP.408", "HTTP.429", "HTTP.NoResponse", "States.Timeout"],
         "IntervalSeconds": 1, "BackoffRate": 2, "MaxDelaySeconds": 2, "MaxAttempts": 2}
      ],
      "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "UnlockUser"}],
      "Next": "ProcessPayment"
    },
    "ProcessPayment": {
      "Type": "Task",
      "Resource": "http://payment-service/api/payments",
      "TimeoutSeconds": 2,
      "ResultPath": null,
      "Retry": [
        {"ErrorEquals": ["HTTP.5xx", "HTTP.408", "HTTP.429", "HTTP.NoResponse", "States.Timeout"],
         "IntervalSeconds": 1, "BackoffRate": 2, "MaxDelaySeconds": 2, "MaxAttempts": 2}
      ],
      "Catch": [
        {"ErrorEquals": ["HTTP.4xx"], "ResultPath": "$.error", "Next": "CancelOrder"},
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "RefundPayment"}
      ],
      "Next": "ApproveOrder"
    },
    "ApproveOrder": {
      "Type": "Task",
      "Resource": "http://order-service/api/orders/approve",
      "TimeoutSeconds": 2,
      "ResultPath": null,
      "Retry": [
        {"ErrorEquals": ["HTTP.5xx", "HTTP.408", "HTTP.429", "HTTP.NoResponse", "States.Timeout"],
         "IntervalSeconds": 1, "BackoffRate": 2, "MaxDelaySeconds": 2, "MaxAttempts": 9}
      ],
      "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "RefundPayment"}],
      "Next": "ReleaseUser"
    },
    "ReleaseUser": {
      "Comment": "The semantic lock's release once the saga is done; failing to release does not undo the saga.",
      "Type": "Task",
      "Resource": "http://user-service/api/users/unlock",
      "TimeoutSeconds": 2,
      "ResultPath": null,
      "Retry": [
        {"ErrorEquals": ["HTTP.5xx", "HTTP.408", "HTTP.429", "HTTP.NoResponse", "States.Timeout"],
         "IntervalSeconds": 1, "BackoffRate": 2, "MaxDelaySeconds": 2, "MaxAttempts": 9}
      ],
      "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "SagaCompleted"}],
      "Next": "SagaCompleted"
    },
    "SagaCompleted": {"Type": "Succeed"},
    "RefundPayment": {
      "Type": "Task",
      "Resource": "http://payment-service/api/payments/compensate",
      "TimeoutSeconds": 2,
      "ResultPath": null,
      "Retry": [
        {"ErrorEquals": ["HTTP.5xx", "HTTP.408", "HTTP.429", "HTTP.NoResponse", "States.Timeout"],
         "IntervalSeconds": 1, "BackoffRate": 2, "MaxDelaySeconds": 2, "MaxAttempts": 9}
      ],
      "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.compensationError", "Next": "ReleaseUserAfterFailure"}],
      "Next": "CancelOrder"
    },
    "CancelOrder": {
      "Type": "Task",
      "Resource": "http://order-service/api/orders/compensate",
      "TimeoutSeconds": 2,
      "ResultPath": null,
      "Retry": [
        {"ErrorEquals": ["HTTP.5xx", "HTTP.408", "HTTP.429", "HTTP.NoResponse", "States.Timeout"],
         "IntervalSeconds": 1, "BackoffRate": 2, "MaxDelaySeconds": 2, "MaxAttempts": 9}
      ],
      "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.compensationError", "Next": "ReleaseUserAfterFailure"}],
      "Next": "UnlockUser"
    },
    "UnlockUser": {
      "Type": "Task",
      "Resource": "http://user-service/api/users/unlock",
      "TimeoutSeconds": 2,
      "ResultPath": null,
      "Retry": [
        {"ErrorEquals": ["HTTP.5xx", "HTTP.408", "HTTP.429", "HTTP.NoResponse", "States.Timeout"],
         "IntervalSeconds": 1, "BackoffRate": 2, "MaxDelaySeconds": 2, "MaxAttempts": 9}
      ],
      "Next": "SagaCompensated"
    },
    "ReleaseUserAfterFailure": {
      "Comment": "A compensation gave up, so the saga needs a human; the user's lock is released all the same, as the built-in saga does on FAILED. Step Functions does nothing on failure by itself: the release has to be in the Catch chain.",
      "Type": "Task",
      "Resource": "http://user-service/api/users/unlock",
      "TimeoutSeconds": 2,
      "ResultPath": null,
      "Retry": [
        {"ErrorEquals": ["HTTP.5xx", "HTTP.408", "HTTP.429", "HTTP.NoResponse", "States.Timeout"],
         "IntervalSeconds": 1, "BackoffRate": 2, "MaxDelaySeconds": 2, "MaxAttempts": 9}
      ],
      "Next": "SagaFailed"
    },
    "SagaFailed": {
      "Type": "Fail",
      "Error": "SagaFailed",
      "Cause": "a compensation gave up; the steps after it were not compensated and need a human (the user's lock was released)"
    },
    "SagaCompensated": {
      "Type": "Fail",
      "Error": "SagaCompensated",
      "Cause": "a step was refused or gave up; the steps done before it were compensated"
    }
  }
}
