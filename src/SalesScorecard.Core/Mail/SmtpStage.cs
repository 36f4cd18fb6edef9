namespace SalesScorecard.Mail;

/// <summary>Where one attempt is: a failure's meaning depends on it.</summary>
internal enum SmtpStage
{
    Connecting,
    Authenticating,
    Envelope,

    /// <summary>After DATA, until the final dot has left: a connection that breaks now cannot have delivered the message.</summary>
    Message,

    /// <summary>The final dot has been handed to the network: a break now leaves the delivery unknown.</summary>
    MessageSent,
}
