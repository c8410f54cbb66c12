import ArgumentParser
import MexSource

/// mexd's exit codes follow sysexits(3); man/mexd.8 lists them.
enum ExitStatus: Int32 {
    case ok = 0
    case usage = 64        // EX_USAGE: bad command line
    case dataError = 65    // EX_DATAERR: input is not a readable video, or damaged
    case noInput = 66      // EX_NOINPUT: no such file or camera
    case unavailable = 69  // EX_UNAVAILABLE: decoder missing, camera busy or lost, network source down
    case software = 70     // EX_SOFTWARE: internal error
    case osError = 71      // EX_OSERR: cannot listen on the socket
    case cantCreate = 73   // EX_CANTCREAT: cannot open or create the event journal or a report
    case ioError = 74      // EX_IOERR: cannot write output
    case noPermission = 77 // EX_NOPERM: file or camera not accessible
    case config = 78       // EX_CONFIG: bad configuration

    init(_ error: SourceError) {
        switch error {
        case .noSuchFile, .noDevice: self = .noInput
        case .notAVideo, .noVideoStream, .readFailed, .unsupportedFormat: self = .dataError
        case .permissionDenied: self = .noPermission
        case .decoderMissing, .openFailed, .deviceBusy, .deviceLost, .stalled,
             .notACaptureDevice, .deviceError: self = .unavailable
        }
    }

    var exitCode: ExitCode { ExitCode(rawValue) }
}
