"""Non-modal dialogs (opened with open()/show(), never exec())."""
