{
  "Comment": "The travel-booking saga: reserve a flight, reserve a car, charge the payment. A step that is refused or gives up enters the chain of compensations at the right place: a refused payment cancels the car and the flight, a payment that gave up without an answer is refunded first (it may have been charged).",
  "StartAt": "ReserveFlight",
  "States": {
    "ReserveFlight": {
      "Type": "Task",
      "Resource": "http://flight-service/api/orders",
      "TimeoutSeconds": 2,
      "ResultPath": "$.results.flight",
      "Retry": [
        {"ErrorEquals": ["HTTP.5xx", "HTTP.408", "HTTP.429", "HTTP.NoResponse", "States.Timeout"],
         "IntervalSeconds": 1, "BackoffRate": 2, "MaxDelaySeconds": 2, "MaxAttempts": 2}
      ],
      "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "BookingFailed"}],
      "Next": "ReserveCar"
    },
    "ReserveCar": {
      "Type": "Task",
      "Resource": "http://car-service/api/orders",
      "TimeoutSeconds": 2,
      "ResultPath": "$.results.car",
      "Retry": [
        {"ErrorEquals": ["HTTP.5xx", "HTTP.408", "HTTP.429", "HTTP.NoResponse", "States.Timeout"],
         "IntervalSeconds": 1, "BackoffRate": 2, "MaxDelaySeconds": 2, "MaxAttempts": 2}
      ],
      "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "CancelFlight"}],
      "Next": "ProcessPayment"
    },
    "ProcessPayment": {
      "Type": "Task",
      "Resource": "http://payment-service/api/payments",
      "TimeoutSeconds": 2,
      "ResultPath": "$.results.payment",
      "Retry": [
        {"ErrorEquals": ["HTTP.5xx", "HTTP.408", "HTTP.429", "HTTP.NoResponse", "States.Timeout"],
         "IntervalSeconds": 1, "BackoffRate": 2, "MaxDelaySeconds": 2, "MaxAttempts": 2}
      ],
      "Catch": [
        {"ErrorEquals": ["HTTP.4xx"], "ResultPath": "$.error", "Next": "CancelCar"},
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "RefundPayment"}
      ],
      "Next": "BookingConfirmed"
    },
    "BookingConfirmed": {"Type": "Succeed"},
    "RefundPayment": {
      "Type": "Task",
      "Resource": "http://payment-service/api/payments/compensate",
      "TimeoutSeconds": 2,
      "ResultPath": null,
      "Retry": [
        {"ErrorEquals": ["HTTP.5xx", "HTTP.408", "HTTP.429", "HTTP.NoResponse", "States.Timeout"],
         "IntervalSeconds": 1, "BackoffRate": 2, "MaxDelaySeconds": 2, "MaxAttempts": 9}
      ],
      "Next": "CancelCar"
    },
    "CancelCar": {
      "Type": "Task",
      "Resource": "http://car-service/api/orders/compensate",
      "TimeoutSeconds": 2,
      "ResultPath": null,
      "Retry": [
        {"ErrorEquals": ["HTTP.5xx", "HTTP.408", "HTTP.429", "HTTP.NoResponse", "States.Timeout"],
         "IntervalSeconds": 1, "BackoffRate": 2, "MaxDelaySeconds": 2, "MaxAttempts": 9}
      ],
      "Next": "CancelFlight"
    },
    "CancelFlight": {
      "Type": "Task",
      "Resource": "http://flight-service/api/orders/compensate",
      "TimeoutSeconds": 2,
      "ResultPath": null,
      "Retry": [
        {"ErrorEquals": ["HTTP.5xx", "HTTP.408", "HTTP.429", "HTTP.NoResponse", "States.Timeout"],
         "IntervalSeconds": 1, "BackoffRate": 2, "MaxDelaySeconds": 2, "MaxAttempts": 9}
      ],
      "Next": "BookingFailed"
    },
    "BookingFailed": {
      "Type": "Fail",
      "Error": "BookingFailed",
      "Cause": "a reservation or the payment was refused or gave up; what was booked before it was cancelled"
    }
  }
}
