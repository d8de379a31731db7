/** The shortest password the API accepts (its `Password` rule); every form asks for the same. */
export const MIN_PASSWORD_LENGTH = 8;
