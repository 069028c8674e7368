;;; agentica-agent-shell.el --- agentica in agent-shell -*- lexical-binding: t; -*-

;; agentica (an ACP agent) for agent-shell (https://github.com/xenodium/agent-shell).
;; Load this file after agent-shell, then M-x agentica-start-agent (or pick "Agentica"
;; from M-x agent-shell).

;;; Code:

(require 'agent-shell)

(defcustom agentica-acp-command '("agentica-acp" "--mode" "ask")
  "Command and arguments that start agentica's ACP server."
  :type '(repeat string)
  :group 'agent-shell)

(defcustom agentica-environment
  (agent-shell-make-environment-variables
   "AGENTICA_MODEL" "openai/gpt-4.1-mini"
   "OPENAI_API_KEY" (getenv "OPENAI_API_KEY"))
  "Environment variables for agentica's ACP server."
  :type '(repeat string)
  :group 'agent-shell)

(defun agentica-make-agent-config ()
  "An agent-shell configuration for agentica."
  (agent-shell-make-agent-config
   :identifier 'agentica
   :mode-line-name "Agentica"
   :buffer-name "Agentica"
   :shell-prompt "Agentica> "
   :shell-prompt-regexp "Agentica> "
   :client-maker (lambda (buffer)
                   (agent-shell--make-acp-client
                    :command (car agentica-acp-command)
                    :command-params (cdr agentica-acp-command)
                    :environment-variables agentica-environment
                    :context-buffer buffer))
   :install-instructions "pipx install agentica (or: pip install agentica)"))

(add-to-list 'agent-shell-agent-configs (agentica-make-agent-config) t)

;;;###autoload
(defun agentica-start-agent ()
  "Start an agent-shell session with agentica."
  (interactive)
  (agent-shell--dwim :config (agentica-make-agent-config) :new-shell t))

(provide 'agentica-agent-shell)
;;; agentica-agent-shell.el ends here
